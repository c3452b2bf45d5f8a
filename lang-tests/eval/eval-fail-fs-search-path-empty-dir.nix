import <e>
