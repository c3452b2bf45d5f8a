"plain file via search path"
