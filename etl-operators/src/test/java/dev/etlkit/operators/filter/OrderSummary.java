package dev.etlkit.operators.filter;

/** A slim projection of an {@link Order}. */
public record OrderSummary(String id, long cents) {}
