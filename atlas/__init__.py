"""Guizhou Aluminium Cluster Atlas: the library behind the app and the CLI."""
