/**
 * Format conversion, filtering and projection, enrichment, deduplication and upsert normalization
 * steps. The steps arrive with the issues that build them; this module currently holds no steps.
 */
package dev.etlkit.operators;
