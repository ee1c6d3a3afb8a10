"""A local Chorus Pro: the OAuth endpoint and the Chorus Pro operations at their real paths.

Interface contract:

- ``Simulator(seed=True, clock=None)``: the platform state (directory, invoices, flows,
  deposits) and ``simulator.wsgi_app`` (a WSGI application).
- ``SimulatorServer(simulator, host="127.0.0.1", port=0)``: serves it over real HTTP in a
  thread; ``with SimulatorServer(sim) as server: server.url``.
- ``SimulatorAdapter(simulator)``: a ``requests`` transport adapter (in-process, no socket).
- ``default_simulator()``: the process-wide simulator of the "Simulation" environment.
- ``simulator.faults``: fault injection per operation; ``simulator.advance(seconds)`` moves
  simulated time; ``simulator.set_invoice_status(...)`` drives statuses;
  ``simulator.deposit_count(number)`` counts deposits of a supplier invoice number.
"""
