DRIVER = {"name": "junk"}
