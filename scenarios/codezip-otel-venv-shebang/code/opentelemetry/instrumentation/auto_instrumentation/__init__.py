def run():
    import os, sys
    os.execvp(sys.executable, [sys.executable] + sys.argv[1:])
