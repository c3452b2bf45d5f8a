# fetchTree's git inputs are shallow unless said otherwise (no revCount), and read from a URL.
let repo = toString ./git/history; in
{
  attrs = builtins.fetchTree { type = "git"; url = repo; ref = "v1"; };
  deep = builtins.fetchTree { type = "git"; url = repo; ref = "v1"; shallow = false; };
  url = builtins.fetchTree "git+file://${repo}?ref=v2";
  workTree = builtins.fetchTree { type = "git"; url = repo; };
  dirty = builtins.fetchTree { type = "git"; url = toString ./git/dirty; };
}
