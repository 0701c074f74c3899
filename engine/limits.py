"""Every size limit in gradlab, in one place. Each protects a shared server from one session's input;
the code that enforces a limit says which one in its error message."""

# Expressions (the safe parser)
MAX_LENGTH = 1000  # characters
MAX_TERMS = 400  # numbers + names + ops
MAX_DEPTH = 60  # nesting of brackets and of the expression tree
MAX_EXPONENT = 1000.0  # |constant exponent| after **, so 9**9**9 is refused rather than computed
MAX_NAME = 32  # characters in a variable name
MAX_VECTOR = 64  # entries in one variable's value

# Stepper and surface lab
MAX_STEP = 100_000  # a step number in a link
MAX_CHECK_EVALUATIONS = 200_000  # node evaluations in one gradient check (2 per entry per node)
MAX_RESOLUTION = 400  # surface grid points per axis
MAX_ITERATIONS = 5000  # updates in one descent run
MAX_RUNS = 6  # optimizer runs raced at once

# MLP lab
MAX_POINTS = 2000  # data points
MAX_CSV_BYTES = 200_000  # an uploaded or pasted CSV
MAX_LAYERS, MAX_WIDTH = 8, 32  # hidden layers, neurons per layer
MAX_UPDATES = 20_000  # training updates in one session's model
MAX_TRAJECTORY = 512  # stored parameter snapshots for the loss slice's path (thinned beyond this)
