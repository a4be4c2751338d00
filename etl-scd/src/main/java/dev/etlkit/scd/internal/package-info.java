/** State types, rules and the function behind the SCD2 step. Not a public API. */
package dev.etlkit.scd.internal;
