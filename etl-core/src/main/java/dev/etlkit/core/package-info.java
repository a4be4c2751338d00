/** placeholder */
package dev.etlkit.core;
