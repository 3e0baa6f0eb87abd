"""Every input file format, read once: text and chat requests, JSON/JSONL/CSV records, output
samples. Later stages take values from here and never open a user's file themselves."""
