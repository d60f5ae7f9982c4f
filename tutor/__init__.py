"""neuron-tutor: a terminal tutor for the action potential."""
