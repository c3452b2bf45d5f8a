<anything>
