[ [ [ (abort "deep in a list") ] ] ]
