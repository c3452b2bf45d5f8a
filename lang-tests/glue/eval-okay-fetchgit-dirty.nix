# A dirty working tree: its tracked files as they are on disk (untracked ones left out), no
# revision, and a warning.
let tree = builtins.fetchGit ./git/dirty; in
{
  inherit tree;
  files = builtins.attrNames (builtins.readDir tree);
  a = builtins.readFile "${tree}/a.txt";
}
