if throw "in the condition" then 1 else 2
