x: [ __curPos x.__curPos ]
