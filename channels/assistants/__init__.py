"""The writing assistant's plugins (issue 18 point 6): the contract and the built-in plugin.

- ``base``: The contract: ``AssistantPlugin``, its config with declared limits, the errors it raises.
- ``loading``: Finds plugins in the ``homeroom.assistants`` stevedore namespace and builds the configured one.
- ``openai_compatible``: ``openai-compatible``: any server speaking OpenAI's chat completions (OpenAI, Azure
  OpenAI, vLLM, Ollama, llama.cpp), through the ``openai`` SDK.
"""
