"""holdem.runtime: engines that advance the tables: in this process (:mod:`engine`) or in
worker processes on shared-memory tables (:mod:`coordinator`, :mod:`worker`, :mod:`shm`)."""
