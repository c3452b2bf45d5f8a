# The value of a locked flake: each node of the lock file becomes the flake (or, for
# `flake = false` inputs, the source) it names, and every flake's `outputs` function is called
# with its inputs and itself. Arguments: the lock file as JSON text, and the root's source
# (what fetchTree returned for it).
lockJSON: rootSource:
let
  lock = builtins.fromJSON lockJSON;

  # An input is a node name, or a path of input names from the root ("follows").
  nodeOf = spec:
    if builtins.isList spec then followPath lock.root spec else spec;
  followPath = node: path:
    if path == [ ] then node
    else followPath (nodeOf lock.nodes.${node}.inputs.${builtins.head path}) (builtins.tail path);

  sourceOf = name: node:
    if name == lock.root then rootSource
    else builtins.fetchTree (builtins.removeAttrs node.locked [ "dir" ]);

  valueOf = name: node:
    let
      source = sourceOf name node;
      dir = node.locked.dir or "";
      outPath = if dir == "" then source.outPath else "${source.outPath}/${dir}";
      inputs = builtins.mapAttrs (_: spec: nodes.${nodeOf spec}) (node.inputs or { });
      flake = import (outPath + "/flake.nix");
      outputs = flake.outputs (inputs // { self = result; });
      result = outputs // source // {
        inherit outPath inputs outputs;
        sourceInfo = source;
        _type = "flake";
      };
    in
    if node.flake or true then result else source;

  nodes = builtins.mapAttrs valueOf lock.nodes;
in
nodes.${lock.root}
