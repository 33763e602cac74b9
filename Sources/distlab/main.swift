print("distlab")
