package dev.etlkit.core;

/** A Java record for tests; Flink 2.x analyses records as POJOs. */
public record OrderLine(String sku, int quantity, Long priceCents) {}
