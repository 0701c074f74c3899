"""Colours: Okabe-Ito, safe for colour-blind viewers. Every colour also has a text label."""

VALUE = "#0072B2"  # blue: forward values
GRADIENT = "#D55E00"  # vermillion: gradients
CURRENT = "#F0E442"  # yellow fill: the node being processed
DONE_FILL = "#FFFFFF"
PENDING = "#8C8C8C"  # grey: not reached yet
PROBLEM = "#CC79A7"  # reddish purple fill: NaN/inf first appears here
INK = "#1F2430"
