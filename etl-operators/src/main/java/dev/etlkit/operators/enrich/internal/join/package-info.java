/**
 * Internals of {@link dev.etlkit.operators.enrich.DimensionJoin}: the two-input operator, its
 * latest and point-in-time state logic, the key checks before the shuffle and the serializer of
 * waiting facts.
 */
package dev.etlkit.operators.enrich.internal.join;
