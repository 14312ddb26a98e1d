"""Shared code for the Bedrock application inference profile workshop.

Import the modules you need explicitly (``from helpers import profiles``); importing the
package does nothing else.
"""

__version__ = "0.1.0"
