"""The Streamlit app. Importing it puts numpy's BLAS on one thread for the whole server process.

Every array the pages compute is small (at most 1,000 points by 32 neurons), and many sessions share the
server's cores: a threaded BLAS spins a second thread per product that only waits for the other sessions.
Measured on the 2-core development machine, a (1000 x 32) @ (32 x 32) product took 18x the CPU with two
threads, and the MLP lab's largest +100 click 2.9-9.8 s of server CPU instead of 0.8 s. Set here, once, it
holds however the app is started (make run, the image, Kubernetes, Community Cloud, the tests' server).
"""

import numpy  # noqa: F401  (loads the BLAS library that the limit below applies to)
from threadpoolctl import threadpool_limits

threadpool_limits(limits=1, user_api="blas")
