scopedImport { } ./lib/dir-with-default
