"""Fetching into the store: files and tarballs from URLs (``fetchurl``, ``fetchTarball``)."""
