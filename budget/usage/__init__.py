"""Real traffic: usage logs read into columns and priced, nothing dropped."""
