/**
 * Slowly changing dimensions (SCD Type 2 with Type-1 columns). The step arrives with the issue that
 * builds it; this module currently holds no steps.
 */
package dev.etlkit.scd;
