# <nix/fetchurl.nix>: a derivation that downloads one URL, carried out by the builtin
# builder `builtin:fetchurl` (tvix-glue fetches it when its output is needed). Its arguments
# and the derivation it makes are C++ Nix 2.26's, attribute for attribute, so that the
# .drv and output paths are the same.
{
  system ? "", # ignored; kept for callers that still pass it
  url,
  hash ? "", # SRI
  md5 ? "",
  sha1 ? "",
  sha256 ? "",
  sha512 ? "",
  # The first of hash, sha512, sha1, md5, sha256 that is given.
  outputHash ?
    builtins.head (builtins.filter (h: h != "") [ hash sha512 sha1 md5 ] ++ [ sha256 ]),
  # Empty when `hash` is SRI (it names its algorithm).
  outputHashAlgo ?
    builtins.head (
      builtins.filter (a: a != null) [
        (if hash != "" then "" else null)
        (if sha512 != "" then "sha512" else null)
        (if sha1 != "" then "sha1" else null)
        (if md5 != "" then "md5" else null)
      ]
      ++ [ "sha256" ]
    ),
  executable ? false,
  unpack ? false,
  name ? baseNameOf (toString url),
  impure ? false,
}:
let
  fixed = if impure then { __impure = true; } else { inherit outputHash outputHashAlgo; };
in
derivation (
  {
    inherit name url executable unpack;
    builder = "builtin:fetchurl";
    system = "builtin";
    outputHashMode = if unpack || executable then "recursive" else "flat";
    preferLocalBuild = true;
    impureEnvVars = [ "http_proxy" "https_proxy" "ftp_proxy" "all_proxy" "no_proxy" ];
    urls = [ url ];
  }
  // fixed
)
