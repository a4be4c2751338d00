package dev.etlkit.core.internal;

// PLACEHOLDER: being written by the serde helper.
