/** Operators, state types and rules behind the normalize package's steps. Not a public API. */
package dev.etlkit.operators.normalize.internal;
