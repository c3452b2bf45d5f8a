{ url = mirror://gnu/hello; }
