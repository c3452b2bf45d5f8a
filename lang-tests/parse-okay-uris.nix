[ https://x.org/a?b=c x:x a+b:c mailto:a@b.c ]
