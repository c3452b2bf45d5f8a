# A clean working tree is its HEAD commit; older commits by rev, tags and branches by ref;
# export-ignore applies (fetchGit's default); name names the store path.
let
  repo = ./git/history;
  head = builtins.fetchGit repo;
  v1 = builtins.fetchGit { url = repo; ref = "v1"; };
in
{
  inherit head v1;
  byRev = builtins.fetchGit { url = repo; rev = v1.rev; };
  tagged = builtins.fetchGit { url = repo; ref = "v2"; name = "tagged"; };
  branch = (builtins.fetchGit { url = "file://${toString repo}"; ref = "main"; }).outPath == head.outPath;
  files = builtins.attrNames (builtins.readDir head);
  a = builtins.readFile "${head}/a.txt";
  withIgnored = builtins.attrNames (builtins.readDir (builtins.fetchGit { url = repo; exportIgnore = false; }));
  shallow = builtins.fetchGit { url = repo; shallow = true; };
}
