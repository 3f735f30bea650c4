print("baseserve")
