false || 0
