"sub file via search path"
