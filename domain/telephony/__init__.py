"""Telephony: caller IDs, trial calls, synthesized speech audio and recorded calls.

- ``call_recordings``: Recorded calls (VOI-04, VOI-05): a WAV the sender uploads to their draft or scheduled message, no longer than the district's call-minute limit (SYS-11). It is stored in the telephone format, replaces any earlier recording, and is played instead of text-to-speech.
- ``caller_ids``: Caller ID phone numbers (CID-*) and which one a sender's calls show (VOI-02, VOI-03).
- ``speech_audio``: Call audio: synthesized once per message, language and script, kept in the database beside the message (deleted with it) and served from an unguessable URL.
- ``trial_calls``: A test call (VOI-09): the call content as composed, placed to a number the sender types. It reaches no recipient and writes no delivery; the registry's voice plugin places it directly.
"""
