import (./fs + "/dir-ÿ")
