[ (import <linked>) <linked> ]
