//! Findings: rules with stable ids that explain what is wrong on the node.
