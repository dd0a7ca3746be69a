"""config: the settings a batch runs under: the collection policy (``policy``), tone profiles (``tones``) and the business-day calendar (``calendar``). Imports no output code."""
