package dev.etlkit.core;

// PLACEHOLDER: being written by the serde helper.
