'use strict';
function greet(name){return"hi "+name}
//# sourceMappingURL=banner.js.map
