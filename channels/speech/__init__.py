"""Speech synthesis for calls: the plugin contract, espeak and twilio-say, and Azure.

- ``azure``: The ``azure`` speech plugin: Azure AI Speech with a neural voice per language.
- ``synthesis``: Speech synthesis for calls: plugins in the ``homeroom.speech`` stevedore namespace.
"""
