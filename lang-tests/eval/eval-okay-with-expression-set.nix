with (if true then { x = "then"; } else { x = "else"; }); x
