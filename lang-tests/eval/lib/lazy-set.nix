{ cheap = "cheap"; expensive = throw "never needed"; }
