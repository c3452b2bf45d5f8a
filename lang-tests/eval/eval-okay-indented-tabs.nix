# Only spaces are indentation: a tab stops the stripping.
''
	tabbed
  spaced
''
