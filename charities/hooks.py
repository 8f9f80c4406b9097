"""What the charities app asks the apps above it (core.hooks explains why hooks, not imports).

- ``complaint_received(complaint)``: a complaint from the public was stored. The cases app tells
  the supervisors of the region complained about and of the organization's registration region.
"""

from __future__ import annotations

from core.hooks import Hook

complaint_received = Hook("charities.complaint_received")
