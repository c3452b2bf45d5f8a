# With the experimental feature no-url-literals, a URL literal is a syntax error, reported
# where it starts.
{
  homepage = "https://example.org/quoted";
  src = https://example.org/unquoted.tar.gz;
}
