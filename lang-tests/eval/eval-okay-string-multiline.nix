"first
second
	tabbed"
