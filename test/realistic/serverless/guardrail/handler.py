def f(e,c): return e
