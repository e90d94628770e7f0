"""Pure security rules of the lane: the bagging-area weight model (and, later, learned weights and fraud scores)."""
